from . import test_alert_tickets
