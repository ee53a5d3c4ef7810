"""Command line: serve the sandbox, or drive a running one through its control endpoints.

    python -m chorus_sandbox --port 8900                     # serve on 127.0.0.1:8900
    python -m chorus_sandbox advance --url http://127.0.0.1:8900 --flows-to-final
    python -m chorus_sandbox works-decide --actor MOE --decision validate --invoice-number INV/2026/00006
    python -m chorus_sandbox --help
"""

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request

from .server import SandboxServer

DEFAULT_URL = os.environ.get('CHORUS_SANDBOX_URL', 'http://127.0.0.1:8900')


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m chorus_sandbox', description='Local Chorus Pro sandbox.')
    parser.add_argument('--host', default='127.0.0.1', help='address to serve on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8900, help='port to serve on (default 8900, 0: any free port)')
    parser.add_argument('--quiet', action='store_true', help='do not log each request')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND',
                                     help='drive a running sandbox (without COMMAND: serve)')

    def command(name, help_text):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument('--url', default=DEFAULT_URL, help=f'sandbox URL (default {DEFAULT_URL})')
        return sub

    command('state', 'print a summary of the state')
    command('reset', 'back to the seed data')
    sub = command('advance', 'move every flow and invoice one step')
    sub.add_argument('--steps', type=int, default=1)
    sub.add_argument('--flows-to-final', action='store_true', help='process every pending flow at once')
    sub = command('set-invoice-status', 'give an invoice any of the 56 statuses')
    sub.add_argument('--status', required=True)
    sub.add_argument('--invoice-id', type=int)
    sub.add_argument('--invoice-number')
    sub.add_argument('--comment', default='')
    sub = command('set-flow-state', 'give a flow any state (e.g. IN_INCIDENTE)')
    sub.add_argument('--flow', required=True, dest='flow_number')
    sub.add_argument('--state', required=True)
    sub = command('fault', 'make the next calls of an operation fail')
    sub.add_argument('--operation', required=True, help="'token', 'factures/deposer/flux', 'deposer/flux' or '*'")
    sub.add_argument('--fault', required=True,
                     help='timeout, 401, 403, 429, 500, 503, malformed_json, drop_after_record or hang_after_record')
    sub.add_argument('--count', type=int, default=1)
    sub.add_argument('--delay', type=float, help='seconds a timeout waits (default 3)')
    sub.add_argument('--retry-after', type=int, help='Retry-After seconds of a 429/500/503 (default 1)')
    command('clear-faults', 'forget the pending faults')
    sub = command('subscriptions', 'set the APIs the PISTE application is subscribed to')
    sub.add_argument('apis', nargs='*')
    sub = command('credentials', 'change the credentials the sandbox accepts')
    for option in ('--client-id', '--client-secret', '--login', '--password'):
        sub.add_argument(option)
    sub.add_argument('--token-lifetime', type=int)
    sub.add_argument('--password-expiry-days', type=int)
    command('revoke-tokens', 'invalidate every access token')
    sub = command('rules', 'switch business rules off or on (python -m chorus_sandbox rules --disable EJ_INCONNU)')
    sub.add_argument('--disable', action='append', default=[], dest='disabled', metavar='RULE')
    sub.add_argument('--enable', action='append', default=[], dest='enabled', metavar='RULE')
    sub.add_argument('--reset', action='store_true', help='back to the default rules')
    sub = command('delay-flows', 'keep a flow (or the next ones deposited) pending, e.g. for hours')
    sub.add_argument('--flow', dest='flow_number', help='flow number (default: the next flows deposited)')
    sub.add_argument('--steps', type=int, default=0, help='moves of time the flow ignores')
    sub.add_argument('--hours', type=float, default=0, help='hours (wall clock) before the flow moves')
    sub.add_argument('--count', type=int, default=1, help='how many of the next flows (without --flow)')
    sub = command('works-decide', "the project manager (MOE) or the buyer (MOA) validates or refuses a works piece")
    sub.add_argument('--actor', required=True, choices=('MOE', 'MOA'))
    sub.add_argument('--decision', required=True, choices=('validate', 'refuse'))
    sub.add_argument('--invoice-id', type=int)
    sub.add_argument('--invoice-number')
    sub.add_argument('--reason', default='', help="a refusal's reason, e.g. 'Pièce justificative manquante ou "
                                                  "illisible' (« Erreur de montant » is refused, as on Chorus Pro)")
    sub.add_argument('--comment', default='')
    sub.add_argument('--accepted-amount', type=float, help='the untaxed amount the MOE accepts')
    sub = command('works-expire', "the project manager's deadline of a works piece is over")
    sub.add_argument('--invoice-id', type=int)
    sub.add_argument('--invoice-number')
    sub = command('seed-invoices', 'create integrated invoices in bulk')
    sub.add_argument('--count', type=int, required=True)
    sub.add_argument('--buyer-id', type=int)
    sub.add_argument('--status')
    return parser


def control(url, name, payload=None):
    """Call ``/_sandbox/<name>`` (GET when ``payload`` is None) and return the decoded answer."""
    target = f"{url.rstrip('/')}/_sandbox/{name}"
    if payload is None:
        request = urllib.request.Request(target)
    else:
        request = urllib.request.Request(target, data=json.dumps(payload).encode(), method='POST',
                                         headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command is None:
        logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
        SandboxServer(host=args.host, port=args.port, quiet=args.quiet).serve_forever()
        return 0
    options = {key: value for key, value in vars(args).items()
               if key not in ('host', 'port', 'quiet', 'command', 'url') and value is not None}
    name = args.command.replace('-', '_')
    name = {'fault': 'faults'}.get(name, name)
    try:
        result = control(args.url, name, None if name == 'state' else options)
    except urllib.error.HTTPError as exc:
        sys.stderr.write(f'{exc.code}: {exc.read().decode(errors="replace")}\n')
        return 1
    except urllib.error.URLError as exc:
        sys.stderr.write(f'cannot reach the sandbox at {args.url}: {exc.reason}\n')
        return 1
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
