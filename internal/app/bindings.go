package app

// httpBindings are the HTTP/2 clients of the services Keel has a binding
// for: the NFs of another process that a process can reach through them.
// A service without one can be consumed only in the process of its NF.
func httpBindings() bindings {
	return bindings{}
}
