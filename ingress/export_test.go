package ingress

// Sources is how many source addresses h's rate limiter tracks.
func Sources(h *Handler) int { return h.limits.sources() }
