from . import test_gateway
