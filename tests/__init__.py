from . import test_install
from . import test_chorus_connection
from . import test_chorus_partner
