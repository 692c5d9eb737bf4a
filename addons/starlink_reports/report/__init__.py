from . import usage_report
from . import usage_report_xlsx
