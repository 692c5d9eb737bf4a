from . import helpdesk_ticket
from . import helpdesk_ticket_alert
from . import starlink_alert
from . import starlink_alert_rule
from . import starlink_service_line
from . import starlink_terminal
