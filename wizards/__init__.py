from . import l10n_fr_chorus_send_wizard
