"""Speed measurements for Esker, reported as ratios taken in one run."""
