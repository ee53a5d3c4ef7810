from . import l10n_fr_chorus_service
from . import res_company
from . import res_config_settings
from . import res_partner
