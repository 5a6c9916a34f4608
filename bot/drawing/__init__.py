"""Taking a prompt in: who asks and where, the prompt's checks, the quota charge, and what a
person can ask about their own prompts (/quota, /history, /cancel). Pure rules (prompts,
quota arithmetic, failure reasons) sit beside the services that use them. Imports storage and
the ops helpers; never aiogram, never handlers."""
