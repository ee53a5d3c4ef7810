from . import l10n_fr_chorus_send_wizard
from . import l10n_fr_chorus_decision
from . import l10n_fr_chorus_complete_wizard
from . import l10n_fr_chorus_recycle_wizard
