// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Permit2 (signature transfers only): the part of Uniswap's Permit2 that x402 uses, for local chains.
/// @notice Written from the published Permit2 interface (ISignatureTransfer) and EIP-712: the same domain
///         (name "Permit2", chainId, verifyingContract; no version), the same type strings, the same unordered
///         nonce bitmap and the same errors, so that a signature made for the canonical contract is good here.
///         Left out: AllowanceTransfer, batch transfers and permitTransferFrom without a witness, which x402 does
///         not call. The domain separator is computed from address(this) on every call, so the runtime code can be
///         installed at the canonical address with anvil_setCode. Never deploy it anywhere that matters.
contract Permit2 {
    struct TokenPermissions {
        address token;
        uint256 amount;
    }

    struct PermitTransferFrom {
        TokenPermissions permitted;
        uint256 nonce;
        uint256 deadline;
    }

    struct SignatureTransferDetails {
        address to;
        uint256 requestedAmount;
    }

    error SignatureExpired(uint256 signatureDeadline);
    error InvalidAmount(uint256 maxAmount);
    error InvalidNonce();
    error InvalidSignature();
    error InvalidSignatureLength();
    error InvalidSigner();
    error InvalidContractSignature();

    event UnorderedNonceInvalidation(address indexed owner, uint256 word, uint256 mask);

    bytes32 private constant TYPE_HASH = keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
    bytes32 private constant HASHED_NAME = keccak256("Permit2");
    bytes32 public constant TOKEN_PERMISSIONS_TYPEHASH = keccak256("TokenPermissions(address token,uint256 amount)");
    string public constant PERMIT_TRANSFER_FROM_WITNESS_TYPEHASH_STUB =
        "PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,";
    bytes4 private constant ERC1271_MAGIC_VALUE = 0x1626ba7e;

    /// owner => word position => bitmap of used nonces (nonce = word << 8 | bit)
    mapping(address => mapping(uint256 => uint256)) public nonceBitmap;

    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return keccak256(abi.encode(TYPE_HASH, HASHED_NAME, block.chainid, address(this)));
    }

    /// Moves `transferDetails.requestedAmount` (at most `permit.permitted.amount`) of the permitted token from
    /// `owner` to `transferDetails.to`, once per nonce, if `owner` signed the permit with `witness` for msg.sender.
    function permitWitnessTransferFrom(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes32 witness,
        string calldata witnessTypeString,
        bytes calldata signature
    ) external {
        if (block.timestamp > permit.deadline) revert SignatureExpired(permit.deadline);
        if (transferDetails.requestedAmount > permit.permitted.amount) revert InvalidAmount(permit.permitted.amount);
        useUnorderedNonce(owner, permit.nonce);

        bytes32 typeHash = keccak256(abi.encodePacked(PERMIT_TRANSFER_FROM_WITNESS_TYPEHASH_STUB, witnessTypeString));
        bytes32 tokenPermissions = keccak256(abi.encode(TOKEN_PERMISSIONS_TYPEHASH, permit.permitted));
        bytes32 structHash = keccak256(abi.encode(typeHash, tokenPermissions, msg.sender, permit.nonce, permit.deadline, witness));
        verify(signature, keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash)), owner);

        safeTransferFrom(permit.permitted.token, owner, transferDetails.to, transferDetails.requestedAmount);
    }

    /// Marks the nonces in `mask` of word `wordPos` used, so that permits signed with them cannot be spent.
    function invalidateUnorderedNonces(uint256 wordPos, uint256 mask) external {
        nonceBitmap[msg.sender][wordPos] |= mask;
        emit UnorderedNonceInvalidation(msg.sender, wordPos, mask);
    }

    function useUnorderedNonce(address from, uint256 nonce) private {
        uint256 wordPos = nonce >> 8;
        uint256 bit = 1 << (nonce & 0xff);
        uint256 flipped = nonceBitmap[from][wordPos] ^= bit;
        if (flipped & bit == 0) revert InvalidNonce();
    }

    /// An EOA's 65-byte (r ‖ s ‖ v) or 64-byte EIP-2098 signature, or a contract's ERC-1271 answer.
    function verify(bytes calldata signature, bytes32 digest, address claimedSigner) private view {
        if (claimedSigner.code.length == 0) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            if (signature.length == 65) {
                (r, s) = abi.decode(signature, (bytes32, bytes32));
                v = uint8(signature[64]);
            } else if (signature.length == 64) {
                bytes32 vs;
                (r, vs) = abi.decode(signature, (bytes32, bytes32));
                s = vs & bytes32(0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);
                v = uint8(uint256(vs >> 255)) + 27;
            } else {
                revert InvalidSignatureLength();
            }
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert InvalidSignature();
            if (signer != claimedSigner) revert InvalidSigner();
        } else {
            (bool ok, bytes memory answer) =
                claimedSigner.staticcall(abi.encodeWithSelector(ERC1271_MAGIC_VALUE, digest, signature));
            if (!ok || answer.length < 32 || abi.decode(answer, (bytes4)) != ERC1271_MAGIC_VALUE) revert InvalidContractSignature();
        }
    }

    /// transferFrom that accepts tokens returning nothing (USDT) as well as those returning true.
    function safeTransferFrom(address token, address from, address to, uint256 amount) private {
        (bool ok, bytes memory answer) = token.call(abi.encodeWithSelector(0x23b872dd, from, to, amount));
        require(ok && (answer.length == 0 || abi.decode(answer, (bool))) && token.code.length > 0, "TRANSFER_FROM_FAILED");
    }
}
