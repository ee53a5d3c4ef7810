"""Answers that do not change within a cursor (a scheduled send, a request), kept in ``cr.cache``: Odoo's export
looks them up again for every line of every invoice."""


def once_per_cursor(env, key, item, compute):
    """``compute()``, the first time ``item`` is asked for under ``key`` on this cursor; the same answer after."""
    answers = env.cr.cache.setdefault(key, {})
    if item not in answers:
        answers[item] = compute()
    return answers[item]
