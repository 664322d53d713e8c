# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import natero_mail_log_link
