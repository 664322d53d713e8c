# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import natero_mail_log_pipeline
from . import natero_mail_log_capture
from . import natero_mail_log_post
from . import natero_mail_log_display
from . import natero_mail_log
from . import natero_mail_log_exclusion
from . import natero_mail_log_free_domain
from . import natero_mail_log_sender
from . import res_company
from . import res_config_settings
from . import res_groups
from . import res_users
from . import res_partner
from . import crm_lead
from . import mail_message
from . import mail_alias
from . import mail_thread
