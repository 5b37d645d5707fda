"""Training, certification and case reviews (培训、认证与案例复盘)."""
