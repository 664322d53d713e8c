# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_gateway
from . import test_policy
from . import test_fuzz
from . import test_security
from . import test_address_normalize
from . import test_compat
from . import test_lanes
from . import test_screens
from . import test_tours
from . import test_i18n
