"""Reading portal databases into the warehouse's raw layer under canonical names."""
