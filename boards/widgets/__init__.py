"""Read helpers for what each widget kind shows: action availability, table pages, KPI values."""
