package connect

// InitialDomain exposes initialDomain to the external tests.
var InitialDomain = initialDomain
