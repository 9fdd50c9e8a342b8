"""Pure ASGI middleware (no ``BaseHTTPMiddleware``): each layer is cheap on the hot path."""
