"""The demo company: 星辰电子, a consumer-electronics brand (phones, tablets, earphones,
smart home). `kefu demo` loads it idempotently; later domains add their own parts."""
