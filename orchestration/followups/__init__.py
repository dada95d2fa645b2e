"""The follow-up queue leaves the warehouse: file exports for a CRM and a webhook sensor."""
