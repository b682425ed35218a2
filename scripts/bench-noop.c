/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of scripts/bench-start: a C program that does nothing, linked as
 * every program here is (dynamically, libc only). */
int main(void)
{
        return 0;
}
