from . import helpdesk_ticket
from . import starlink_service_line
from . import starlink_terminal
