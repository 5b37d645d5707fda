"""WeChat official account (公众号) channel: callback, passive replies, customer-service sends."""
