from . import product_template
from . import starlink_account
from . import starlink_service_line
from . import starlink_terminal
from . import starlink_usage_daily
from . import res_partner
from . import starlink_demo
