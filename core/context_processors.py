def csp_nonce(request):
    """`csp_nonce`: this response's Content-Security-Policy nonce, for the one inline-able tag
    the portal has (`{% htmx_script %}` reads it by this name). Lazy: a page without a nonced
    tag sends no nonce in its header."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
