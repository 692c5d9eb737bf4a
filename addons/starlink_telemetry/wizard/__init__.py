from . import starlink_top_up_wizard
from . import starlink_plan_change_wizard
from . import starlink_activation_wizard
