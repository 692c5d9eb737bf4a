from . import test_billing_cycle
from . import test_constraints
from . import test_state
from . import test_access_rights
from . import test_record_rules
from . import test_portal_login
from . import test_kit_stock
from . import test_sale_flow
