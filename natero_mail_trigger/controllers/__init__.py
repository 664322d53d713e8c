from . import tracking, unsubscribe, usage
