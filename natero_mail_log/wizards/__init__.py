from . import natero_mail_log_link
