from . import l10n_fr_chorus_service
from . import l10n_fr_chorus_flow
from . import l10n_fr_chorus_status_history
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
from . import account_move_send
