// Passage view: brings the supporting sentence (else the highlighted passage) into view (an inline
// script would break the CSP).
(document.getElementById('support') ?? document.getElementById('passage'))?.scrollIntoView({ block: 'center' });
