"""Quality inspection (质检): automatic scores, sampled reviews, disputes."""
