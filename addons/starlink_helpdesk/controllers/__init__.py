from . import portal_kb
from . import portal_ticket
