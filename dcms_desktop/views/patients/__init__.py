"""The Patients section: search (patients_page), the patient form, the patient page and
the medical alert strip every screen showing a patient reuses (alert_strip)."""
