from django.urls import path  # noqa: F401

app_name = "integrations"

urlpatterns: list = []

# --- connections, audit trail (integrations/views/connections.py) ---

# --- deliveries, Test button, delivery log (integrations/views/deliveries.py) ---

# --- API keys (integrations/views/api_keys.py) ---
