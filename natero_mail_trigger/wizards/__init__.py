from . import natero_trigger_api_key_show, natero_trigger_preview
