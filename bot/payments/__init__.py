"""Credits sold for Telegram Stars: the packs on offer (STAR_PACKS), the checkout's answer,
crediting a payment exactly once, and the operator's refunds. The packs are pure data read by
the settings at start; the services sit beside them."""
