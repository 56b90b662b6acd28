/* Placeholder so the application library is never empty while src/ grows. */
int hs_app_placeholder(void);
int hs_app_placeholder(void) { return 0; }
