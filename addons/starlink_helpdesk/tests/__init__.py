from . import test_alert_tickets
from . import test_ticket_context
from . import test_ticket_reboot
from . import test_ticket_roles
from . import test_ticket_sla
from . import test_ticket_swap
from . import test_portal_kb
from . import test_portal_ticket
