# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import natero_trigger_api_key_show, natero_trigger_preview
