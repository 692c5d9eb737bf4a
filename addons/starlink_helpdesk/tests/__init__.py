from . import test_alert_tickets
from . import test_ticket_context
