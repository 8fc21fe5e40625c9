/* test-options: not yet written */
#include <stdio.h>
int main(void);
int main(void) { printf("1..0 # SKIP not yet written\n"); return 0; }
