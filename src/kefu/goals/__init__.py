"""Service goals (服务目标): targets, attainment and missed-goal alerts."""
