from . import unsubscribe, usage
