from . import test_install
from . import test_chorus_client
from . import test_chorus_sandbox
from . import test_chorus_connection
from . import test_chorus_partner
from . import test_chorus_send
from . import test_chorus_status
from . import test_chorus_document
