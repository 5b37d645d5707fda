"""After-sales field service: devices and warranty, service orders with their state machine,
service points and partners, dispatch by coverage and capacity, appointments under a 24 h
confirmation clock, the partner portal and signed API, remote diagnostics with consent."""
