"""Views, one module per area. Every view asks `can()` or queries through `.restrict()`."""
