"""Jobs (and later schedules and sensors) that run the pipeline."""
