"""Services: one function per thing a user does. Keyword arguments in, frozen results out."""
