// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./TestUSDC.sol";

/// @title TestUSDCPermit: TestUSDC with EIP-2612 permits (as USDC has), for local chains only: how a holder with no
///        ETH approves Permit2 (gasless Permit2). A separate contract so that TestUSDC stays a token without permit.
/// @notice Written from the EIP-2612 specification.
contract TestUSDCPermit is TestUSDC {
    bytes32 public constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    /// owner => the nonce its next permit must carry
    mapping(address => uint256) public nonces;

    constructor(string memory name_, string memory version_) TestUSDC(name_, version_) {}

    /// Anyone may submit an approval the holder signed.
    function permit(address owner_, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        require(block.timestamp <= deadline, "permit is expired");
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner_, spender, value, nonces[owner_]++, deadline));
        requireSignedBy(owner_, digestOf(structHash), v, r, s);
        allowance[owner_][spender] = value;
        emit Approval(owner_, spender, value);
    }
}
