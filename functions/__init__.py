"""Code that runs inside the stack: Lambda handlers deployed by the components."""
