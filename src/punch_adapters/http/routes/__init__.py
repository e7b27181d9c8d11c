"""Route handlers, one module per resource; each exports ``ROUTES``."""
